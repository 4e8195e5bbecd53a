"""Name pools for a mixed London-style borough, by origin group and sex, most common first.

Weights fall off with rank (1 / (rank + k)), so a few names dominate each pool: "John Smith",
"Mohammed Khan" and "Sarah Jones" collide as they do in a real council. English forenames change with
the birth cohort so a 1950s Margaret and a 2015 Olivia both look right.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

import numpy as np

#: origin group -> share of the borough's households
GROUP_WEIGHTS = {
    "english": 0.37, "scottish": 0.03, "welsh": 0.02, "irish": 0.04, "caribbean": 0.05,
    "south_asian_muslim": 0.09, "indian": 0.07, "polish": 0.05, "east_european": 0.03,
    "west_african": 0.07, "chinese": 0.025, "turkish": 0.03, "somali": 0.025, "south_european": 0.02,
}

_F = {  # forenames: group -> sex -> names (English by cohort: old < 1965 <= mid < 1995 <= young)
    ("english_old", "M"): """John David Michael Peter Robert William James Brian Richard Anthony Alan Kenneth Roy
        Ronald Stephen Christopher Paul Keith Terence Raymond Derek George Graham Colin Dennis Barry Geoffrey
        Malcolm Trevor Frank Leslie Norman Gordon Roger Philip Thomas Edward Charles Arthur Harold Eric Stanley
        Frederick Albert Ernest Martin Ian Clive Nigel Tony""",
    ("english_mid", "M"): """David Paul Mark Andrew Richard Christopher James Daniel Michael Matthew Stephen John
        Robert Lee Craig Darren Gary Jason Simon Steven Thomas Adam Ben Jonathan Peter Neil Wayne Scott Carl Dean
        Ian Martin Anthony Kevin Nicholas Alexander Benjamin Samuel Luke Ryan Jamie Liam Kieran Shaun Stuart
        Philip Timothy William Joseph Sean Nathan""",
    ("english_young", "M"): """Oliver Jack Harry George Noah Charlie Jacob Alfie Freddie Oscar Leo Thomas James
        William Joshua Henry Archie Ethan Isaac Max Lucas Daniel Samuel Joseph Alexander Theo Arthur Logan
        Harrison Dylan Mason Finley Sebastian Edward Toby Reuben Jake Tyler Callum Connor Lewis Ryan Luke
        Benjamin Matthew Liam Adam Elliot Zachary Riley Aiden Louis Harvey""",
    ("english_old", "F"): """Margaret Patricia Mary Susan Linda Elizabeth Jean Barbara Christine Janet Sandra
        Carol Pauline Jennifer Valerie Sheila Maureen Doreen Joan Dorothy Irene Brenda Ann Anne Gillian Elaine
        Jacqueline Lesley Kathleen Joyce Marion Sylvia Eileen Beryl Betty Shirley Hazel Julie Diane Wendy Jane
        Catherine Judith Rosemary Veronica Marjorie Hilda Edna Vera Ruth""",
    ("english_mid", "F"): """Sarah Claire Emma Nicola Lisa Michelle Joanne Rachel Helen Louise Laura Kelly
        Samantha Karen Julie Amanda Rebecca Victoria Katie Hannah Jennifer Gemma Emily Charlotte Amy Natalie
        Stephanie Kate Catherine Elizabeth Jessica Lucy Zoe Donna Tracey Dawn Kirsty Sophie Alison Deborah Jane
        Caroline Leanne Hayley Danielle Kerry Lindsey Vicky Jodie Anna""",
    ("english_young", "F"): """Olivia Amelia Isla Ava Emily Sophia Grace Mia Poppy Ella Lily Evie Isabella Sophie
        Ivy Freya Harper Willow Charlotte Jessica Florence Chloe Daisy Phoebe Ruby Scarlett Isabelle Millie Lucy
        Alice Matilda Holly Megan Hannah Eleanor Rosie Elizabeth Erin Evelyn Maisie Lola Eva Imogen Layla Molly
        Abigail Katie Lauren Amber Bethany Ellie Emilia Anna""",
    ("scottish", "M"): """James John David Robert William Andrew Alexander Stuart Ross Callum Jamie Euan Fraser
        Hamish Angus Duncan Alistair Craig Gordon Iain Kenneth Malcolm Neil Scott Lewis Calum Murray Gregor
        Finlay Ewan""",
    ("scottish", "F"): """Fiona Morag Catriona Mhairi Kirsty Eilidh Isla Ailsa Shona Elspeth Heather Iona Lorna
        Moira Rhona Margaret Jean Elizabeth Anne Karen Lynne Gillian Carol Jennifer Laura Emma Sarah Rachel""",
    ("welsh", "M"): """Rhys Dylan Gareth Owen Dafydd Huw Ieuan Gethin Aled Emyr Gwyn Iwan Rhodri Evan Lloyd
        Geraint Glyn Bryn Cai Tomos""",
    ("welsh", "F"): """Cerys Sian Rhiannon Bethan Catrin Ffion Megan Nia Seren Carys Eleri Angharad Gwen Lowri
        Elin Manon Mali Ceri Delyth Rhian""",
    ("irish", "M"): """Sean Patrick Michael John Liam Conor Ciaran Declan Niall Pádraig Eoin Cian Darragh Brendan
        Kevin Colm Aidan Ronan Seamus Fergal Oisín Cathal Dermot Eamon Kieran Rory Donal Shane Seán Tadhg""",
    ("irish", "F"): """Siobhan Aoife Niamh Ciara Sinead Róisín Orla Caoimhe Aisling Mary Bridget Maeve Grainne
        Clodagh Deirdre Saoirse Emer Fiona Eimear Catherine Nora Sorcha Una Mairead Eileen Kathleen Ann
        Margaret Teresa Siobhán""",
    ("caribbean", "M"): """Marcus Andre Winston Desmond Delroy Leroy Clive Errol Trevor Lloyd Wayne Jermaine
        Tyrone Dwayne Kareem Jamal Devon Everton Carlton Lennox Neville Courtney Rohan Kemar Shane Dean Anthony
        Michael David Daniel Joshua Elijah Isaiah Jayden Nathaniel Reuben Tyrese Kai""",
    ("caribbean", "F"): """Marcia Sharon Beverley Jacqueline Paulette Janet Sonia Yvonne Hyacinth Claudette
        Pauline Donna Michelle Simone Shanice Tanisha Chantelle Jade Aaliyah Keisha Tiana Precious Monique
        Natalie Nadine Camille Jasmine Zara Maya Kerry-Ann""",
    ("south_asian_muslim", "M"): """Mohammed Muhammad Mohammad Ahmed Ali Hassan Hussain Imran Omar Abdul Bilal
        Usman Adnan Faisal Tariq Asif Zubair Kamran Shahid Rizwan Arif Nadeem Saqib Zain Ayaan Ibrahim Yusuf
        Hamza Zakariya Abdullah Rahim Shafiq Mizanur Rashid Jamal Farhan Sohail Aslam Akbar Anwar Iqbal Nasir
        Waqas Junaid Haris Rehan Sajid Shamim Aminul Rafiq""",
    ("south_asian_muslim", "F"): """Fatima Ayesha Aisha Zainab Maryam Mariam Khadija Amina Sana Nadia Shazia
        Samina Nasreen Parveen Rukhsana Shabana Farzana Tasnim Nusrat Salma Rubina Halima Hafsa Zara Inaya
        Aleena Hiba Iqra Sadia Rabia Hina Sumaiya Taslima Rehana Jasmin Shamima Sultana Yasmin Noor Safiya""",
    ("indian", "M"): """Raj Ravi Amit Sanjay Vijay Rajesh Suresh Ramesh Arjun Rohan Vikram Anil Sunil Deepak Manoj
        Harpreet Gurpreet Jaspreet Mandeep Sukhdev Balwinder Jaswinder Kuldeep Harjit Navdeep Arun Nikhil Rahul
        Krishna Dev Aarav Vihaan Ishaan Kabir Ajay Pradeep Dinesh Mahesh Ashok Prakash Hardeep Gurdeep Sandeep
        Jatinder Karan Sahil Neil Jay Kiran Mohan""",
    ("indian", "F"): """Priya Anjali Sunita Neha Pooja Kavita Asha Meena Rekha Geeta Sita Lakshmi Divya Shreya
        Ananya Isha Nisha Rani Harpreet Gurpreet Jaspreet Manpreet Simran Navjot Kiran Amrit Parminder Rajinder
        Baljit Sukhvinder Kamaljit Jasbir Amandeep Harjinder Sonia Anita Seema Usha Hema Deepa Rupa Leela Aditi
        Diya Riya Saanvi Aanya Myra Tara""",
    ("polish", "M"): """Piotr Krzysztof Andrzej Tomasz Paweł Michał Marcin Jakub Łukasz Mateusz Adam Marek
        Grzegorz Kamil Dariusz Wojciech Rafał Jan Szymon Bartosz Damian Sebastian Maciej Robert Artur Przemysław
        Daniel Filip Kacper Jacek""",
    ("polish", "F"): """Anna Katarzyna Małgorzata Agnieszka Barbara Ewa Magdalena Joanna Aleksandra Monika Marta
        Natalia Karolina Justyna Beata Dorota Paulina Zofia Julia Maja Agata Weronika Kinga Sylwia Izabela Renata
        Elżbieta Iwona Oliwia Aneta""",
    ("east_european", "M"): """Andrei Alexandru Ion Mihai Florin Gheorghe Constantin Adrian Marius Cristian Ionut
        Stefan Georgi Dimitar Ivan Nikolai Petar Tomas Mantas Darius Lukas Jonas Vasile Daniel Bogdan""",
    ("east_european", "F"): """Maria Elena Ioana Andreea Alexandra Mihaela Gabriela Ana Cristina Daniela Simona
        Roxana Iuliana Irina Petya Desislava Ivana Ruta Egle Laura Diana Raluca Denisa Georgiana Larisa""",
    ("west_african", "M"): """Oluwaseun Olumide Chukwuemeka Emeka Chinedu Obinna Adebayo Babatunde Tunde Olusegun
        Kwame Kwabena Kofi Kwaku Yaw Kojo Ifeanyi Uchenna Ayodele Femi Segun Tobi Daniel David Samuel Emmanuel
        Joseph Michael John Peter Godwin Prince Chidi Nnamdi Kelechi Tochukwu Ademola Abiodun Oluwadamilare""",
    ("west_african", "F"): """Oluwakemi Folake Funmilayo Adaeze Chioma Ngozi Ifeoma Nkechi Chiamaka Amaka Yetunde
        Bukola Titilayo Abena Akosua Ama Afua Efua Esi Adwoa Grace Blessing Mercy Comfort Patience Joy Faith
        Precious Esther Deborah Ruth Gloria Victoria Temitope Damilola Oluwatoyin Adenike Omolara Ebere Uju""",
    ("chinese", "M"): """Wei Jun Jian Hao Ming Lei Yang Tao Bo Chen Kai Long Feng Qiang Jie Peng Yi Hui Kevin
        Michael Jason Eric Ken Tony Leo""",
    ("chinese", "F"): """Li Mei Xiu Ying Fang Jing Yan Hong Lan Xin Hui Ling Na Qing Yu Min Wen Jia Grace Amy
        Cindy Vivian Helen Joyce Annie""",
    ("turkish", "M"): """Mehmet Mustafa Ahmet Ali Hüseyin Hasan İbrahim Murat Emre Serkan Osman Yusuf Kemal Erdem
        Burak Cem Deniz Kaan Onur Tolga Levent Arda Efe Baran Selim""",
    ("turkish", "F"): """Ayşe Fatma Emine Hatice Zeynep Elif Merve Özlem Sevgi Hülya Derya Gül Esra Büşra Selin
        Ebru Canan Dilek Leyla Nur Defne Ece Asya Yasemin Gamze""",
    ("somali", "M"): """Mohamed Abdi Ahmed Ali Hassan Abdirahman Abdullahi Omar Yusuf Ismail Farah Mahad Liban
        Khalid Hamza Bashir Abdikarim Mustafe Said Nur""",
    ("somali", "F"): """Fadumo Hodan Amina Asha Hawa Khadra Sahra Ifrah Ayan Nasra Ubah Deeqa Hibo Sagal Layla
        Ikran Maryan Halimo Safiya Zamzam""",
    ("south_european", "M"): """João José Pedro Luís Carlos Miguel António Francesco Marco Giuseppe Luca
        Alessandro Andrea Matteo Javier Pablo Diego Rui Tiago Bruno""",
    ("south_european", "F"): """Maria Ana Sofia Inês Beatriz Joana Giulia Francesca Chiara Elena Laura Lucia
        Carmen Marta Rita Sara Paola Alessia Valentina Catarina""",
}

_S = {  # surnames by group, most common first (Polish/Bulgarian take a female form, see female_form)
    "english": """Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson Roberts Robinson Thompson
        Wright Walker White Edwards Hughes Green Hall Lewis Harris Clarke Jackson Wood Turner Martin Cooper Hill
        Ward Morris Moore Clark Lee King Baker Harrison Morgan Allen James Scott Phillips Watson Davis Parker Price
        Bennett Young Griffiths Mitchell Kelly Cook Carter Richardson Bailey Collins Bell Shaw Murphy Miller Cox
        Richards Marshall Anderson Simpson Ellis Adams Wilkinson Foster Chapman Powell Webb Rogers Gray Mason
        Hunt Campbell Matthews Owen Palmer Holmes Mills Barnes Knight Lloyd Butler Russell Barker Fisher Stevens
        Jenkins Dixon Harvey Graham Pearson Fletcher Gibson Howard Andrews Elliott Reynolds Saunders Payne Fox
        Ford Pearce Day Brooks West Lawrence Cole Atkinson Bradley Spencer Gill Dawson Ball Burton O'Brien Watts
        Rose Booth Perry Grant Wells Armstrong Francis Hayes Hart Hudson Newman Barrett Webster Hunter Gregory
        Carr Lowe Page Marsh Riley Dunn Woods Parsons Berry Stone Holland Hawkins Harding Porter Newton Oliver
        Reed Williamson Bird Gardner Dean Lane Cooke Bates Henderson Burgess Bishop Walton Nicholson Shepherd
        Cross Long Freeman Warren Nicholls Sutton Yates Hodgson Robson Curtis Hopkins Harper Coleman Watkins Moss
        Chambers Griffin Sharp Hardy Wheeler Potter Osborne Johnston Wallace George Jordan Hutchinson Rowe May
        Gilbert Willis Higgins Read Miles Stevenson Hammond Arnold Buckley Walters Hewitt Barber Nelson Slater
        Austin Whitehead Mann Frost Lambert Stephens Blake Goodwin Barton Woodward Barnett Baxter Clayton Nash
        Greenwood Jennings Holt Kemp Poole Bond Stokes Tucker Fowler Heath Norman Middleton Lawson Banks French
        Stanley Jarvis Gibbs Hayward Dickinson Todd Barlow Peters Lucas Knowles Hartley Simmons Morton Field
        Norris Townsend Preston Hancock Thornton Baldwin Burrows Briggs Storey Hyde Ingram McDonald Smith-Jones""",
    "scottish": """Campbell MacDonald Stewart Robertson Thomson Anderson Scott Murray MacLeod Reid Ross Paterson
        Fraser Mackenzie Hamilton Graham Kerr Johnston Cameron Duncan Ferguson Hunter Kennedy Gray Grant McKay
        McLean Sinclair Burns Douglas Buchanan McIntosh Gordon Wallace Munro""",
    "welsh": """Jones Williams Davies Evans Thomas Roberts Lewis Hughes Morgan Griffiths Owen Price Jenkins Powell
        Rees Lloyd Pritchard Parry Vaughan Howells Bowen Pugh Morris Phillips Edwards""",
    "irish": """Murphy Kelly O'Sullivan Walsh O'Brien Byrne Ryan O'Connor O'Neill Doyle McCarthy Gallagher
        Doherty Kennedy Lynch Murray Quinn Moore McLaughlin Carroll Connolly Daly Dunne Brennan Burke Collins
        Fitzgerald Nolan Farrell Keane Sheehan O'Mahony Fitzpatrick Flanagan""",
    "caribbean": """Campbell Brown Williams Smith Johnson Thomas Francis Clarke Grant Reid Edwards Henry Richards
        Gordon Morgan James Lewis Robinson Walker Bailey Baptiste Charles Samuels Wright Thompson Hall Allen
        Stewart Powell Gayle Forbes McKenzie Bennett Graham Jackson Ferguson Spence Morrison Blake""",
    "south_asian_muslim": """Khan Ali Ahmed Hussain Akhtar Rahman Islam Miah Uddin Ahmad Iqbal Mahmood Shah Butt
        Malik Chaudhry Qureshi Rashid Hassan Mohammed Aslam Raja Mirza Sheikh Siddiqui Karim Hoque Chowdhury
        Alam Haque Sarwar Bashir Javed Anwar Saleem Nawaz Riaz Ullah""",
    "indian": """Patel Singh Sharma Shah Gill Sandhu Sidhu Dhillon Grewal Johal Bains Kumar Mistry Parmar Chauhan
        Solanki Joshi Mehta Desai Gupta Verma Mehra Thakkar Modi Pandya Rana Sohal Mann Sahota Atwal Basra Chahal
        Virdi Rai Nair Pillai Iyer Reddy Rao""",
    "polish": """Nowak Kowalski Wiśniewski Wójcik Kowalczyk Kamiński Lewandowski Zieliński Szymański Woźniak
        Dąbrowski Kozłowski Jankowski Mazur Kwiatkowski Krawczyk Piotrowski Grabowski Nowakowski Pawłowski
        Michalski Nowicki Adamczyk Dudek Zając Wieczorek Jabłoński Król Majewski Olszewski Jaworski Wróbel
        Malinowski Pawlak Witkowski Walczak Stępień Górski Rutkowski Michalak""",
    "east_european": """Popescu Ionescu Popa Radu Dumitru Stan Stoica Gheorghe Matei Ciobanu Rusu Munteanu
        Constantin Marin Tudor Dobre Barbu Nistor Florea Ivanov Georgiev Dimitrov Petrov Kazlauskas Jankauskas
        Petrauskas""",
    "west_african": """Adeyemi Okafor Okonkwo Adebayo Okoro Nwosu Eze Obi Okeke Adewale Ogunleye Olawale Afolabi
        Bello Balogun Oladipo Adeleke Akinola Ogundipe Mensah Owusu Boateng Asante Osei Appiah Agyeman Amoah
        Darko Acheampong Ansah Addo Danso Opoku Adjei Nwachukwu Chukwu Onyeka Ibrahim Abubakar Ogunbiyi
        Oyewole Adeniyi""",
    "chinese": """Wang Li Zhang Liu Chen Yang Huang Zhao Wu Zhou Xu Sun Ma Zhu Hu Guo He Lin Luo Gao Chan Wong
        Cheung Lau Leung Ho Ng Lam Tang Yip""",
    "turkish": """Yılmaz Kaya Demir Şahin Çelik Yıldız Yıldırım Öztürk Aydın Özdemir Arslan Doğan Kılıç Aslan
        Çetin Kara Koç Kurt Özkan Şimşek Polat Erdoğan Güneş Aksoy Tekin""",
    "somali": """Mohamed Ahmed Ali Hassan Abdi Omar Hussein Farah Yusuf Ismail Osman Warsame Jama Aden Hirsi
        Mohamud Abdullahi Elmi Egal Duale""",
    "south_european": """Silva Santos Ferreira Pereira Oliveira Costa Rodrigues Martins Sousa Fernandes Gonçalves
        Rossi Russo Ferrari Esposito Bianchi Romano Colombo Ricci Garcia Martinez Lopez Gonzalez Sanchez
        Fernandez""",
}

#: English place-name surnames (Ashworth, Bradley, Whitfield...): the long tail real registers have
_TAIL_HEADS = """Ash Brad Brom Bur Cal Chad Cliff Cold Crom Dal Dart Dun Eb Elm Fair Farn Glad Gold Grim Hal Hart
    Hat Haw Hay Hol Hors Hunt Kel Kings Lang Lind Lock Mar Mid Mort New Nor Oak Pen Ped Pres Rad Red Ring Roth
    Sal Scar Shel Shir Stan Stock Sut Thorn Tid War Wat Wes Whit Wil Win Wood Wool Wyn"""
_TAIL_ENDS = """worth ley field ford ton well wood by ham stead bury more ridge combe hurst land wick shaw cott den
    low well gate croft"""


def surname_tail() -> list[str]:
    heads, ends = _TAIL_HEADS.split(), _TAIL_ENDS.split()
    return sorted({h + e for h in heads for e in ends})


#: surnames some women hold whatever their husband's (Bangladeshi "Begum", Sikh "Kaur"), and men ("Singh")
GENDERED_SURNAMES = {
    ("south_asian_muslim", "F"): (0.15, ["Begum", "Bibi", "Khatun", "Akhtar"]),
    ("indian", "F"): (0.12, ["Kaur"]),
    ("indian", "M"): (0.1, ["Singh"]),
}

#: chance a woman in the group takes her husband's surname on marriage
MARRIAGE_SURNAME_CHANGE = {
    "english": 0.85, "scottish": 0.85, "welsh": 0.85, "irish": 0.8, "caribbean": 0.8,
    "south_asian_muslim": 0.4, "indian": 0.75, "polish": 0.9, "east_european": 0.8, "west_african": 0.8,
    "chinese": 0.1, "turkish": 0.85, "somali": 0.0, "south_european": 0.3,
}

#: chance an adult of the group can vote in local elections (British, Irish, qualifying Commonwealth, EU)
CITIZEN_RATE = {
    "english": 0.99, "scottish": 0.99, "welsh": 0.99, "irish": 0.99, "caribbean": 0.97,
    "south_asian_muslim": 0.9, "indian": 0.88, "polish": 0.55, "east_european": 0.45, "west_african": 0.85,
    "chinese": 0.6, "turkish": 0.7, "somali": 0.85, "south_european": 0.5,
}

#: twins' forenames that look alike: (sex, name a, name b)
SIMILAR_TWIN_NAMES = [
    ("M", "Jack", "Jake"), ("M", "Aiden", "Aidan"), ("M", "Mohammed", "Muhammad"), ("F", "Hannah", "Anna"),
    ("F", "Eve", "Evie"), ("F", "Ella", "Ellie"), ("M", "Callum", "Calum"), ("M", "Lewis", "Louis"),
    ("F", "Sophie", "Sophia"), ("F", "Amelia", "Emilia"), ("F", "Isabel", "Isabella"), ("F", "Leah", "Lea"),
    ("M", "Liam", "Leon"), ("M", "Adam", "Aaron"), ("F", "Ruby", "Rosie"), ("M", "Hassan", "Hussain"),
    ("F", "Fatima", "Fatma"), ("M", "Harry", "Harvey"), ("M", "Daniel", "David"), ("F", "Aisha", "Ayesha"),
]

#: deliberately common full names, planted so same-name different-person pairs exist at every size
COMMON_FULL_NAMES = {
    ("english", "M"): ["John Smith", "David Smith", "James Smith", "David Jones", "Michael Brown"],
    ("english", "F"): ["Sarah Jones", "Emma Smith", "Sarah Smith", "Claire Williams"],
    ("south_asian_muslim", "M"): ["Mohammed Khan", "Mohammed Ali", "Mohammed Hussain", "Muhammad Ahmed"],
    ("south_asian_muslim", "F"): ["Fatima Begum", "Ayesha Khan"],
    ("indian", "M"): ["Harpreet Singh", "Raj Patel"],
    ("indian", "F"): ["Priya Patel"],
    ("polish", "M"): ["Piotr Nowak"],
    ("polish", "F"): ["Anna Nowak"],
    ("west_african", "M"): ["David Mensah"],
    ("irish", "M"): ["Patrick Murphy"],
    ("caribbean", "F"): ["Marcia Campbell"],
}

TITLES_M = ["Mr"]
STREET_ROOTS = """ACACIA ALBANY ALBERT ALBION ALDER ALEXANDRA ALMA ARGYLE ARNOLD ARTHUR ASH ASHBURNHAM ASHLEY
    ASPEN AUCKLAND AVONDALE BALMORAL BANK BARDSLEY BEACONSFIELD BEAUFORT BEDFORD BEECH BELGRAVE BELL BELMONT
    BERKELEY BIRCH BLENHEIM BRAMBLE BRIDGE BRIGHTON BRISTOL BROOK BRUNSWICK BUCKINGHAM BURLEIGH CAMBRIDGE
    CAMDEN CANAL CANNING CARLTON CASTLE CAVENDISH CEDAR CHAPEL CHARLOTTE CHATSWORTH CHESTER CHESTNUT CHURCH
    CLARENCE CLAREMONT CLIFTON CLYDE COBURG COLLEGE COPPER CORONATION COURTNEY CRANBROOK CROMWELL CROSS CROWN
    CUMBERLAND DARWIN DENMARK DERBY DEVONSHIRE DORSET DOVER DUKE DURHAM EDINBURGH EGERTON ELDON ELM ELMWOOD
    ESSEX FAIRFIELD FARADAY FERN FOREST FOUNTAIN GAINSBOROUGH GARDEN GEORGE GLADSTONE GLEBE GLOUCESTER GORDON
    GRAFTON GRANGE GRANVILLE GREEN GROSVENOR HAMILTON HANOVER HARCOURT HAREWOOD HARLEY HAWTHORN HAZEL HEATH
    HIGHFIELD HILLSIDE HOLLY HOPE KENT KESTREL KING KINGSLEY LABURNUM LANCASTER LANSDOWNE LARCH LAUREL LAVENDER
    LEOPOLD LIME LINDEN LONDON MADEIRA MALVERN MANOR MAPLE MARKET MARLBOROUGH MAYFIELD MEADOW MELBOURNE MILL
    MILTON MONTAGUE MOUNT MYRTLE NELSON NEWTON NORFOLK NORTHUMBERLAND NORWOOD OAK OAKLANDS ORCHARD OSBORNE
    OXFORD PALMERSTON PARK PEEL PEMBROKE PINE POPLAR PORTLAND PRIMROSE PRINCE PRINCES PRIORY QUEEN QUEENS
    RAILWAY RAVENSWOOD REGENT RICHMOND RIVERSIDE ROSEBERY ROWAN RUSSELL RUTLAND SALISBURY SANDRINGHAM SCHOOL
    SELBORNE SEYMOUR SHAFTESBURY SHERWOOD SILVER SOMERSET SPENCER SPRING STANLEY STATION STRATFORD SUFFOLK
    SUMMERFIELD SUSSEX SYCAMORE TALBOT TEMPLE THORNTON TRAFALGAR TUDOR UNION UPLANDS VALE VICARAGE VICTORIA
    VILLIERS WALNUT WARWICK WATERLOO WAVERLEY WELLESLEY WELLINGTON WENTWORTH WESTBOURNE WESTMINSTER WHITEHALL
    WILLOW WINDMILL WINDSOR WOODLAND WOODSIDE YORK ST ANDREWS|ST JOHNS|ST MARYS|ST PAULS|ST GEORGES|
    ST MARGARETS|ST LEONARDS"""
STREET_TYPES = [("ROAD", 30), ("STREET", 14), ("AVENUE", 9), ("CLOSE", 8), ("GARDENS", 7), ("LANE", 5),
                ("DRIVE", 4), ("WAY", 4), ("CRESCENT", 4), ("GROVE", 4), ("PLACE", 3), ("TERRACE", 3),
                ("WALK", 2), ("HILL", 2), ("RISE", 1), ("SQUARE", 1), ("MEWS", 1), ("PARADE", 1)]
SPECIAL_STREETS = ["HIGH STREET", "THE BROADWAY", "THE AVENUE", "THE GREEN", "THE PARADE", "HIGH ROAD",
                   "BROADWAY", "STATION APPROACH"]
BLOCK_TYPES = ["COURT", "HOUSE", "LODGE", "MANSIONS", "POINT", "TOWER", "HEIGHTS", "BUILDINGS", "APARTMENTS"]
WARD_NAMES = ["Ashbury", "Belmont Park", "Castlefield", "Denbury", "Elmswood", "Fairholme", "Greyfriars",
              "Hallow Cross", "Ivydale", "Kingsmead", "Larkhall Vale", "Millbrook", "Northbridge Central",
              "Oakhurst", "Priory Fields", "Queensgate", "Riverside", "Thornbury Hill", "Westmarsh", "Yewtree"]


def _split(text: str) -> list[str]:
    if "|" in text:
        head, _, tail = text.partition("ST ANDREWS|")
        return head.split() + ["ST ANDREWS"] + [t.strip() for t in tail.split("|") if t.strip()]
    return text.split()


def street_roots() -> list[str]:
    return _split(STREET_ROOTS)


def female_form(surname: str) -> str:
    """Polish and Bulgarian women's surnames: Kowalski -> Kowalska, Ivanov -> Ivanova."""
    for male, female in (("ski", "ska"), ("cki", "cka"), ("dzki", "dzka"), ("ov", "ova"), ("ev", "eva")):
        if surname.endswith(male):
            return surname[: -len(male)] + female
    return surname


def _weights(n: int, k: float) -> np.ndarray:
    w = 1.0 / (np.arange(n) + k)
    return w / w.sum()


@dataclass
class Pool:
    """One weighted list: draw by inverse CDF on a uniform (cheap in Python loops)."""

    names: list[str]
    cum: list[float] = field(default_factory=list)

    @classmethod
    def of(cls, names: list[str], k: float) -> Pool:
        return cls(names, np.cumsum(_weights(len(names), k)).tolist())

    def draw(self, u: float) -> str:
        return self.names[min(bisect.bisect_right(self.cum, u), len(self.names) - 1)]


class NameBook:
    """All pools, indexed the way the population draws them."""

    def __init__(self) -> None:
        self.groups = list(GROUP_WEIGHTS)
        self.group_pool = Pool(self.groups, np.cumsum(np.array(list(GROUP_WEIGHTS.values())) /
                                                      sum(GROUP_WEIGHTS.values())).tolist())
        self.forenames: dict[tuple[str, str], Pool] = {}
        for (key, sex), text in _F.items():
            self.forenames[(key, sex)] = Pool.of(text.split(), 14.0 if "muslim" not in key else 6.0)
        self.surnames = {g: Pool.of(text.split(), 18.0) for g, text in _S.items()}
        tail = surname_tail()
        self.tail = Pool.of(tail, float(len(tail)))  # nearly flat: each tail name is rare

    def forename(self, group: str, sex: str, birth_year: int, u: float) -> str:
        if group == "english":
            key = "english_old" if birth_year < 1965 else "english_mid" if birth_year < 1995 else "english_young"
        else:
            key = group
        return self.forenames[(key, sex)].draw(u)

    def surname(self, group: str, sex: str, u: float, u2: float) -> str:
        special = GENDERED_SURNAMES.get((group, sex))
        if special and u2 < special[0]:
            return special[1][min(int(u2 / special[0] * len(special[1])), len(special[1]) - 1)]
        if group in ("english", "welsh", "scottish", "caribbean") and u2 > 0.6:
            return self.tail.draw(u)
        name = self.surnames[group].draw(u)
        return female_form(name) if sex == "F" and group in ("polish", "east_european") else name
